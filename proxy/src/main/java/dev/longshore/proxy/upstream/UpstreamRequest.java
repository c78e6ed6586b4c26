package dev.longshore.proxy.upstream;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.util.Objects;

/**
 * One request to the upstream registry.
 *
 * @param method       GET or HEAD in practice (the pull side of the distribution API)
 * @param pathAndQuery the path under the upstream URL, such as {@code /v2/library/alpine/manifests/3}
 * @param headers      headers to forward, such as Accept and Range; the client adds Host, User-Agent and Authorization
 * @param scope        the token scope this request needs, such as {@code repository:library/alpine:pull}, or null
 */
public record UpstreamRequest(HttpMethod method, String pathAndQuery, HttpHeaders headers, String scope) {

    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pathAndQuery, "pathAndQuery");
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("pathAndQuery must start with '/', got '" + pathAndQuery + "'");
        }
        headers = headers == null ? new DefaultHttpHeaders() : headers;
    }

    public static UpstreamRequest get(String pathAndQuery, String scope) {
        return new UpstreamRequest(HttpMethod.GET, pathAndQuery, new DefaultHttpHeaders(), scope);
    }
}
