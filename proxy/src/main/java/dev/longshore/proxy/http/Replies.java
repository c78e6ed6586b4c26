package dev.longshore.proxy.http;

import dev.longshore.proxy.api.ErrorBody;
import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.storage.Digest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/** Builds the replies that every route shares. */
public final class Replies {
    /** RFC 9211 names the cache in Cache-Status. */
    public static final String CACHE_NAME = "Longshore";
    public static final CharSequence CACHE_STATUS = "Cache-Status";

    private Replies() {
    }

    /** The spec's JSON error for {@code error}, with the headers its code calls for. */
    public static Reply.Bytes error(RegistryException error) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        if (error.code() == ErrorCode.UNSUPPORTED) {
            headers.set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        return new Reply.Bytes(error.code().status(), headers, ErrorBody.of(error.code(), error.detail()));
    }

    /** {@code GET /v2/}: the version check clients make before anything else. */
    public static Reply.Bytes apiBase() {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return new Reply.Bytes(HttpResponseStatus.OK, headers, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * The strong entity tag of content named by {@code digest}: the digest itself, as the content never changes. What
     * blobs and manifests send as ETag, and what an If-Range must name.
     */
    public static String entityTag(Digest digest) {
        return "\"" + digest + "\"";
    }

    /** Sets RFC 9211's Cache-Status: {@code hit}, or {@code fwd=miss}, {@code fwd=stale}, with any extra parameters. */
    public static HttpHeaders cacheStatus(HttpHeaders headers, String status) {
        headers.set(CACHE_STATUS, CACHE_NAME + "; " + status);
        return headers;
    }
}
