package dev.longshore.proxy.bundle;

/**
 * Something an operator must fix, said in words: an image that is not cached, a blob missing from a bundle, a digest
 * that does not match. The commands print only the message.
 */
public final class BundleException extends RuntimeException {

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
