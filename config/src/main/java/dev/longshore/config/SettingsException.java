package dev.longshore.config;

import java.util.List;
import java.util.stream.Collectors;

/** A setting that cannot be used; {@link #key()} names it the way the user wrote it (flag, YAML path or env var). */
public final class SettingsException extends RuntimeException {
    private final String key;
    private final List<SettingsException> problems;

    public SettingsException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
        this.problems = List.of(this);
    }

    /** Several problems at once (see {@link SettingsProblems}); {@link #key()} is the first one's. */
    public SettingsException(List<SettingsException> problems) {
        super(problems.size() + " problems in the settings:" + problems.stream()
                .map(p -> System.lineSeparator() + "  " + p.getMessage()).collect(Collectors.joining()));
        this.key = problems.get(0).key();
        this.problems = List.copyOf(problems);
    }

    public String key() {
        return key;
    }

    /** Every problem this exception stands for: itself alone, or each of several. */
    public List<SettingsException> problems() {
        return problems;
    }
}
