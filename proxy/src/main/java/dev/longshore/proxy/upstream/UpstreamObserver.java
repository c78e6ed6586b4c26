package dev.longshore.proxy.upstream;

/**
 * Told about every HTTP exchange an {@link UpstreamClient} has with its upstream (token service and redirect targets
 * included), once its response head arrived or it failed: for the upstream meters. Called on an event loop: must not
 * block.
 */
public interface UpstreamObserver {
    UpstreamObserver NONE = new UpstreamObserver() {
        @Override
        public void answered(String upstream, int status, long nanos) {
        }

        @Override
        public void failed(String upstream, Throwable error, long nanos) {
        }
    };

    /** The upstream answered with {@code status} after {@code nanos} (time to the response head). */
    void answered(String upstream, int status, long nanos);

    /** No answer: connect, TLS, timeout or reset ({@code error}), after {@code nanos}. */
    void failed(String upstream, Throwable error, long nanos);
}
