package dev.longshore.storage;

/** RocksDB failed under {@link CacheIndex}; the message names the index directory and the operation. */
public final class IndexException extends RuntimeException {

    public IndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
