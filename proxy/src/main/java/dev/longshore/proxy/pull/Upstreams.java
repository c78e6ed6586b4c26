package dev.longshore.proxy.pull;

import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.UpstreamClient;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;

/**
 * The configured upstreams, and the rule that picks one for a request. Only configured upstreams exist here, so no
 * request can make Longshore connect anywhere else.
 */
public final class Upstreams implements AutoCloseable {
    private final List<UpstreamClient> clients;

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

    /** Routes a request for {@code name}: for now every request goes to the default upstream. */
    public PullRequest route(RepositoryName name, Map<String, List<String>> query, HttpHeaders clientHeaders) {
        UpstreamClient upstream = clients.get(0);
        RepositoryName upstreamName = upstream.settings().isDockerHub() ? name.onDockerHub() : name;
        return new PullRequest(upstream, upstreamName, query, clientHeaders);
    }

    @Override
    public void close() {
        clients.forEach(UpstreamClient::close);
    }
}
