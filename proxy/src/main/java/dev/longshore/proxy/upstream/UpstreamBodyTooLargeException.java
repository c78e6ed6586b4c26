package dev.longshore.proxy.upstream;

/** An aggregated body ({@link UpstreamClient#fetch}) was larger than the caller allowed. */
public final class UpstreamBodyTooLargeException extends UpstreamException {

    public UpstreamBodyTooLargeException(String message) {
        super(message);
    }
}
