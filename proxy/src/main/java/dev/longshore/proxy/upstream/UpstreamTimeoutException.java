package dev.longshore.proxy.upstream;

/** The upstream sent no byte for the configured read timeout while we waited for headers or body. */
public final class UpstreamTimeoutException extends UpstreamException {

    public UpstreamTimeoutException(String message) {
        super(message);
    }
}
