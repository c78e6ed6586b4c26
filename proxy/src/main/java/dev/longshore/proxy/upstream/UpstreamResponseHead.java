package dev.longshore.proxy.upstream;

import io.netty.handler.codec.http.HttpHeaders;

/** The status and headers of an upstream response, before (or without) its body. */
public record UpstreamResponseHead(int status, HttpHeaders headers) {
}
