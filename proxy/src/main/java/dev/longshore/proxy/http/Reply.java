package dev.longshore.proxy.http;

import dev.longshore.proxy.fill.FillReader;
import dev.longshore.storage.StoredBlob;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * What a request is answered with, decided off the event loop and written by the {@link RegistryHandler}.
 * Headers are complete except Content-Length, which the handler sets from the body.
 */
public sealed interface Reply {

    HttpResponseStatus status();

    HttpHeaders headers();

    /** A small body held in memory: manifests, tag lists, errors. */
    record Bytes(HttpResponseStatus status, HttpHeaders headers, byte[] body) implements Reply {
    }

    /** Headers only, answering a HEAD with the Content-Length a GET would have (-1: unknown). */
    record HeadOnly(HttpResponseStatus status, HttpHeaders headers, long contentLength) implements Reply {
    }

    /** A span of a committed blob file, sent zero-copy. */
    record File(HttpResponseStatus status, HttpHeaders headers, StoredBlob blob, long start, long length) implements Reply {
    }

    /** A span of a blob still being filled; {@code length} is -1 when the size is unknown (the body goes chunked). */
    record Filling(HttpResponseStatus status, HttpHeaders headers, FillReader reader, long length) implements Reply {
    }
}
