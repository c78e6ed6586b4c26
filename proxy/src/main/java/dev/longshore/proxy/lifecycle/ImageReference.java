package dev.longshore.proxy.lifecycle;

import dev.longshore.config.SettingsException;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.storage.Digest;
import dev.longshore.storage.TagKey;

import java.util.Objects;
import java.util.Optional;

/**
 * An image as people name it for pinning: {@code docker.io/library/alpine:3.20},
 * {@code registry.test.local/team/app@sha256:...}, or without a registry ({@code alpine:3.20}) for the default
 * upstream. On Docker Hub a one-segment repository means {@code library/<name>}, as in pulls.
 *
 * @param upstream   the configured upstream's name
 * @param repository the repository on it
 * @param tag        the tag, if named by tag
 * @param digest     the manifest digest, if named by digest
 */
public record ImageReference(String upstream, String repository, Optional<String> tag, Optional<Digest> digest) {

    public ImageReference {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(digest, "digest");
    }

    /**
     * @param key             the setting it came from, for the error ({@code pins[0]}, {@code --pin})
     * @param defaultUpstream the upstream an image without a registry means
     */
    public static ImageReference parse(String key, String text, String defaultUpstream) {
        if (text == null || text.isBlank() || text.contains(" ")) {
            throw new SettingsException(key, "expected an image such as docker.io/library/alpine:3.20, got '" + text + "'");
        }
        String rest = text.trim();
        Optional<Digest> digest = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Optional.of(Digest.parse(rest.substring(at + 1)));
            } catch (IllegalArgumentException e) {
                throw new SettingsException(key, "'" + text + "': " + e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String upstream = defaultUpstream;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            // As docker does it: a first segment with a dot or a port, or localhost, is a registry.
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                upstream = first;
                rest = rest.substring(slash + 1);
            }
        }
        Optional<String> tag = Optional.empty();
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = Optional.of(rest.substring(colon + 1));
            rest = rest.substring(0, colon);
        }
        if (tag.isEmpty() && digest.isEmpty()) {
            tag = Optional.of("latest");
        }
        if (UpstreamSettings.isDockerHubName(upstream)) {
            // Tags are indexed under the configured upstream's name, whichever of Docker Hub's names that is.
            upstream = UpstreamSettings.isDockerHubName(defaultUpstream) ? defaultUpstream : "docker.io";
            if (!rest.contains("/")) {
                rest = "library/" + rest;
            }
        }
        if (rest.isEmpty() || tag.filter(String::isEmpty).isPresent()) {
            throw new SettingsException(key, "expected an image such as docker.io/library/alpine:3.20, got '" + text + "'");
        }
        return new ImageReference(upstream, rest, digest.isPresent() ? Optional.empty() : tag, digest);
    }

    /** The tag's index key; empty for an image named by digest. */
    public Optional<TagKey> tagKey() {
        return tag.map(t -> new TagKey(upstream, repository, t));
    }

    @Override
    public String toString() {
        return upstream + "/" + repository + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }
}
