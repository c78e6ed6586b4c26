package dev.longshore.proxy.http;

import java.time.Instant;

/**
 * Told once per finished response by the {@link RegistryHandler}, on the connection's event loop: must not block.
 * Metrics and the access log are observers.
 */
public interface RequestObserver {
    RequestObserver NONE = request -> {
    };

    void finished(FinishedRequest request);

    /** Both, in order. */
    static RequestObserver both(RequestObserver first, RequestObserver second) {
        return request -> {
            first.finished(request);
            second.finished(request);
        };
    }

    /**
     * One answered request.
     *
     * @param time          when the request arrived
     * @param client        the client's address (IP, without the port)
     * @param user          who the client authenticated as; null until Longshore authenticates clients
     * @param method        GET, HEAD, ...
     * @param path          the request target as the client sent it, query included
     * @param route         what kind of request it was ({@link RequestContext#route()}): low-cardinality
     * @param upstream      the upstream name the request was routed to; null when none was chosen
     * @param status        the response status code
     * @param cacheStatus   the Cache-Status parameters ({@code hit}, {@code fwd=miss; collapsed}, ...); null when none
     * @param bytes         bytes written to the client for this response, headers included
     * @param durationNanos from the request's arrival to the last byte written
     * @param completed     false when the response ended early (a failed fill, a client that went away)
     */
    record FinishedRequest(Instant time, String client, String user, String method, String path, String route,
                           String upstream, int status, String cacheStatus, long bytes, long durationNanos,
                           boolean completed) {

        /** {@code hit}, {@code miss} or {@code stale} from the Cache-Status; null when the response has none. */
        public String cacheResult() {
            if (cacheStatus == null) {
                return null;
            }
            if (cacheStatus.startsWith("hit")) {
                return "hit";
            }
            if (cacheStatus.startsWith("fwd=stale")) {
                return "stale";
            }
            return "miss";
        }
    }
}
