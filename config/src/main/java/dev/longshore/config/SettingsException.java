package dev.longshore.config;

/** A setting that cannot be used; {@link #key()} names it the way the user wrote it (flag, YAML path or env var). */
public final class SettingsException extends RuntimeException {
    private final String key;

    public SettingsException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
