package dev.longshore.proxy.api;

import java.util.regex.Pattern;

/**
 * A repository name as the distribution spec allows it: lowercase path components separated by slashes.
 * The grammar leaves no room for {@code ..}, empty segments, percent escapes or absolute paths, so a valid name is also
 * safe to use in keys and paths.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests">the name grammar</a>
 */
public record RepositoryName(String value) {

    private static final Pattern GRAMMAR =
            Pattern.compile("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
    /** Docker's limit on a whole reference's name; a longer one cannot be pulled by any client. */
    private static final int MAX_LENGTH = 255;

    public RepositoryName {
        if (value == null || value.length() > MAX_LENGTH || !GRAMMAR.matcher(value).matches()) {
            throw new RegistryException(ErrorCode.NAME_INVALID,
                    "'" + value + "' is not a repository name: lowercase letters, digits and separators (. _ __ -) in /-separated components, at most 255 characters");
        }
    }

    /** Docker Hub stores official images under {@code library/}, and clients may leave it out. */
    public RepositoryName onDockerHub() {
        return value.indexOf('/') < 0 ? new RepositoryName("library/" + value) : this;
    }

    @Override
    public String toString() {
        return value;
    }
}
