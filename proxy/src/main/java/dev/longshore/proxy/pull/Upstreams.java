package dev.longshore.proxy.pull;

import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.UpstreamClient;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured upstreams, and the rules that pick one for a request:
 * <ol>
 *   <li>containerd's mirror parameter {@code ns} ({@code /v2/library/alpine/manifests/3?ns=docker.io}) names it;</li>
 *   <li>else a path prefix does ({@code /v2/ghcr.io/org/app/manifests/1}), as podman and other mirror locations with a
 *       path send it;</li>
 *   <li>else the request goes to the default (first) upstream.</li>
 * </ol>
 * An {@code ns} that names no configured upstream, or a prefix that looks like a registry host (it has a dot or a
 * colon, or is {@code localhost}, as Docker's reference grammar has it) but is not configured, is NAME_UNKNOWN at once.
 * Only configured upstreams exist here, so no request can make Longshore connect, or even resolve a name, anywhere else.
 */
public final class Upstreams implements AutoCloseable {
    private final List<UpstreamClient> clients;

    /** The upstream a request goes to, and its path with any registry prefix taken off. */
    public record Selection(UpstreamClient upstream, String path) {
    }

    /** @param clients in configured order; the first is the default */
    public Upstreams(List<UpstreamClient> clients) {
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("at least one upstream");
        }
        this.clients = List.copyOf(clients);
    }

    public List<UpstreamClient> all() {
        return clients;
    }

    /**
     * Picks the upstream for a request path under {@code /v2/} (decoded, without its query).
     *
     * @throws RegistryException NAME_UNKNOWN for an {@code ns} or registry prefix that is not configured
     */
    public Selection select(String path, Map<String, List<String>> query) {
        List<String> ns = query.getOrDefault("ns", List.of());
        if (!ns.isEmpty()) {
            // With ns, the path is the repository as that registry knows it: no prefix to strip.
            // Host names are case-insensitive; configured names are lowercase.
            String name = ns.get(0).toLowerCase(java.util.Locale.ROOT);
            return new Selection(named(name).orElseThrow(() -> unknown(ns.get(0), "ns=" + ns.get(0))), path);
        }
        if (path.startsWith("/v2/")) {
            String rest = path.substring("/v2/".length());
            String[] segments = rest.split("/", -1);
            // A prefix needs a name after it and an endpoint (manifests/<ref>, blobs/<digest>, tags/list, ...) after that;
            // with fewer segments the first one is the repository itself.
            if (segments.length >= 4) {
                String first = segments[0];
                Optional<UpstreamClient> upstream = named(first);
                if (upstream.isPresent()) {
                    return new Selection(upstream.get(), "/v2/" + rest.substring(first.length() + 1));
                }
                if (looksLikeRegistryHost(first)) {
                    throw unknown(first, "the path prefix " + first);
                }
            }
        }
        return new Selection(clients.get(0), path);
    }

    /** The pull request for {@code name} on the selected upstream; on Docker Hub, {@code alpine} means {@code library/alpine}. */
    public PullRequest request(UpstreamClient upstream, RepositoryName name, Map<String, List<String>> query,
                               HttpHeaders clientHeaders) {
        RepositoryName upstreamName = upstream.settings().isDockerHub() ? name.onDockerHub() : name;
        return new PullRequest(upstream, upstreamName, query, clientHeaders);
    }

    private Optional<UpstreamClient> named(String name) {
        for (UpstreamClient client : clients) {
            UpstreamSettings settings = client.settings();
            if (settings.name().equals(name) || (settings.isDockerHub() && UpstreamSettings.isDockerHubName(name))) {
                return Optional.of(client);
            }
        }
        return Optional.empty();
    }

    /** Docker's rule for the first component of a reference: a dot, a colon, or {@code localhost} make it a host. */
    static boolean looksLikeRegistryHost(String segment) {
        return segment.indexOf('.') >= 0 || segment.indexOf(':') >= 0 || segment.equals("localhost");
    }

    private RegistryException unknown(String name, String how) {
        return new RegistryException(ErrorCode.NAME_UNKNOWN, how + " names registry '" + name
                + "', which this mirror does not serve; it serves " + clients.stream().map(c -> c.settings().name()).toList());
    }

    @Override
    public void close() {
        clients.forEach(UpstreamClient::close);
    }
}
