package dev.longshore.proxy.api;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The wire error codes Longshore answers with, each with its HTTP status and the spec's message.
 * The only place that maps our failures onto the registry protocol's vocabulary.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes">OCI error codes</a>
 */
public enum ErrorCode {
    BLOB_UNKNOWN(HttpResponseStatus.NOT_FOUND, "blob unknown to registry"),
    DIGEST_INVALID(HttpResponseStatus.BAD_REQUEST, "provided digest did not match uploaded content"),
    MANIFEST_UNKNOWN(HttpResponseStatus.NOT_FOUND, "manifest unknown"),
    MANIFEST_INVALID(HttpResponseStatus.BAD_REQUEST, "manifest invalid"),
    NAME_INVALID(HttpResponseStatus.BAD_REQUEST, "invalid repository name"),
    NAME_UNKNOWN(HttpResponseStatus.NOT_FOUND, "repository name not known to registry"),
    UNSUPPORTED(HttpResponseStatus.METHOD_NOT_ALLOWED, "the operation is unsupported"),
    RANGE_INVALID(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "requested range not satisfiable"),
    TOOMANYREQUESTS(HttpResponseStatus.TOO_MANY_REQUESTS, "too many requests"),
    /** Not in the spec's table: a request that is not valid HTTP or has a malformed URI, before any route applies. */
    REQUEST_INVALID(HttpResponseStatus.BAD_REQUEST, "malformed request"),
    /** Not in the spec's table: a request line longer than Longshore reads. */
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request URI too long"),
    /** Not in the spec's table: request headers larger than Longshore reads. */
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request header fields too large"),
    /** Not in the spec's table: a request in an HTTP version other than 1.x. */
    HTTP_VERSION_UNSUPPORTED(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version not supported"),
    /** Not in the spec's table: the mirror is stopping, and the request could not be answered before it did. */
    SHUTTING_DOWN(HttpResponseStatus.SERVICE_UNAVAILABLE, "the mirror is shutting down"),
    /** Not in the spec's table: the upstream could not be reached or answered badly, and the cache had nothing to offer. */
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.BAD_GATEWAY, "the upstream registry is unavailable"),
    /** Not in the spec's table: a bug or a local fault (disk, index); the detail says which. */
    INTERNAL(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");

    private final HttpResponseStatus status;
    private final String message;

    ErrorCode(HttpResponseStatus status, String message) {
        this.status = status;
        this.message = message;
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String message() {
        return message;
    }
}
