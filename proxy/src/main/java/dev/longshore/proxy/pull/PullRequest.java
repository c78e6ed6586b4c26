package dev.longshore.proxy.pull;

import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.UpstreamClient;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;

/**
 * A pull request after routing: which upstream serves it, the repository's name as that upstream knows it (which is
 * also its name in the cache's keys), and what the client sent.
 */
public record PullRequest(UpstreamClient upstream, RepositoryName name, Map<String, List<String>> query,
                          HttpHeaders clientHeaders) {

    public String upstreamName() {
        return upstream.settings().name();
    }

    /** The token scope for reading this repository upstream. */
    public String pullScope() {
        return "repository:" + name + ":pull";
    }
}
