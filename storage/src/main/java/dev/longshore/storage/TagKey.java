package dev.longshore.storage;

import java.util.Objects;

/** A tag of a repository on one upstream registry, e.g. ({@code docker.io}, {@code library/redis}, {@code 7}). */
public record TagKey(String upstream, String repository, String tag) {

    public TagKey {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(tag, "tag");
    }
}
