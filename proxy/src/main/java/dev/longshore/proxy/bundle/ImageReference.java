package dev.longshore.proxy.bundle;

import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.api.Reference;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.storage.Digest;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image as a user names it on the command line, normalized by Docker's rules: {@code alpine:3.20} is
 * {@code docker.io/library/alpine:3.20}, {@code team/app} is {@code docker.io/team/app:latest}, and the first
 * component is a registry only if it looks like a host (has a dot or a colon, or is {@code localhost}), so
 * {@code registry.test.local/team/app@sha256:...} names {@code team/app} on {@code registry.test.local}.
 *
 * <p>Docker's rule rather than "the first configured upstream" for a name without a registry, because {@code export}
 * and {@code import} have no configuration to ask, and a bundle must name images the way {@code docker pull} does.
 *
 * @param registry   the registry host, {@code docker.io} for Docker Hub under any of its names
 * @param repository the repository as that registry knows it ({@code library/alpine} on Docker Hub)
 * @param tag        the tag, if one was given (or implied: {@code latest} when neither tag nor digest was)
 * @param digest     the manifest digest, if one was given; it wins over the tag for what is fetched
 */
public record ImageReference(String registry, String repository, Optional<String> tag, Optional<Digest> digest) {

    public static final String DOCKER_HUB = "docker.io";

    /** Docker's domain grammar: a host name or IPv4 address, and an optional numeric port. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?");

    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(digest, "digest");
        if (tag.isEmpty() && digest.isEmpty()) {
            throw new IllegalArgumentException("an image reference needs a tag or a digest");
        }
    }

    /** Parses a reference as {@code docker pull} takes it; throws {@link IllegalArgumentException} saying what is wrong. */
    public static ImageReference parse(String text) {
        return parse(text, false);
    }

    /**
     * Parses a reference that must name its registry and its tag or digest, as a bundle's {@code ref.name} annotation
     * does: {@code docker.io/library/alpine:3.20}. Short names are refused rather than guessed at.
     */
    public static ImageReference parseFull(String text) {
        return parse(text, true);
    }

    private static ImageReference parse(String text, boolean full) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty image reference");
        }
        String rest = text.trim();
        Optional<Digest> digest = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Optional.of(Digest.parse(rest.substring(at + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "': " + e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String registry = null;
        int slash = rest.indexOf('/');
        if (slash > 0 && looksLikeHost(rest.substring(0, slash))) {
            registry = rest.substring(0, slash);
            rest = rest.substring(slash + 1);
            if (!HOST.matcher(registry).matches()) {
                throw new IllegalArgumentException("'" + text + "': '" + registry + "' is not a registry host[:port]");
            }
        }
        Optional<String> tag = Optional.empty();
        // With the registry gone, a colon can only start the tag: repository names have none.
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            tag = Optional.of(rest.substring(colon + 1));
            rest = rest.substring(0, colon);
            if (!Reference.TAG.matcher(tag.get()).matches()) {
                throw new IllegalArgumentException("'" + text + "': '" + tag.get()
                        + "' is not a tag ([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})");
            }
        }
        if (full && (registry == null || (tag.isEmpty() && digest.isEmpty()))) {
            throw new IllegalArgumentException("'" + text + "' is not a full image name such as docker.io/library/alpine:3.20"
                    + " (registry, repository, and a tag or digest)");
        }
        if (tag.isEmpty() && digest.isEmpty()) {
            tag = Optional.of("latest");
        }
        if (registry == null || UpstreamSettings.isDockerHubName(registry)) {
            registry = DOCKER_HUB;
        }
        try {
            RepositoryName name = new RepositoryName(rest);
            if (registry.equals(DOCKER_HUB)) {
                name = name.onDockerHub();
            }
            return new ImageReference(registry, name.value(), tag, digest);
        } catch (RegistryException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.detail());
        }
    }

    /** Docker's rule for the first component of a reference: a dot, a colon, or {@code localhost} make it a host. */
    static boolean looksLikeHost(String component) {
        return component.indexOf('.') >= 0 || component.indexOf(':') >= 0 || component.equals("localhost");
    }

    /** Whether an upstream with this name (as configured, or as recorded in the cache) is this reference's registry. */
    public boolean isOn(String upstreamName) {
        return upstreamName.equals(registry)
                || (registry.equals(DOCKER_HUB) && UpstreamSettings.isDockerHubName(upstreamName));
    }

    /** {@code registry/repository:tag}, or {@code @digest} when there is no tag: the name a bundle records. */
    public String name() {
        return registry + "/" + repository + tag.map(t -> ":" + t).orElseGet(() -> "@" + digest.orElseThrow());
    }

    /** The tag or digest to ask the registry for: the digest when there is one. */
    public String reference() {
        return digest.map(Digest::toString).orElseGet(tag::orElseThrow);
    }

    /** The full reference, with both tag and digest when both were given. */
    @Override
    public String toString() {
        return registry + "/" + repository + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }
}
