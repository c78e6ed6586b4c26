package dev.longshore.proxy.upstream;

import java.io.IOException;

/**
 * Talking to an upstream left no usable response: connect, TLS, reset, premature close, timeout, malformed
 * response, or a body larger than the caller allowed. An HTTP error status is not one of these.
 */
public class UpstreamException extends IOException {

    public UpstreamException(String message) {
        super(message);
    }

    public UpstreamException(String message, Throwable cause) {
        super(message, cause);
    }
}
