package dev.longshore.proxy.upstream;

import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;

/**
 * A whole upstream response, body included: only for small bodies (manifests, tag lists, tokens),
 * bounded by the {@code maxBodyBytes} given to {@link UpstreamClient#fetch}.
 */
public record UpstreamResponse(int status, HttpHeaders headers, byte[] body) {

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
