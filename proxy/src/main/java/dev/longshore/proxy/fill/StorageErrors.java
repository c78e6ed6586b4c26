package dev.longshore.proxy.fill;

import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Disk and index failures of fills: every one counted, logged once per episode. A full disk fails every fill until
 * someone frees space; one ERROR line saying so, and one INFO line when a commit works again, tell the operator more
 * than a line per fill would.
 */
final class StorageErrors {
    private static final Logger log = LoggerFactory.getLogger(StorageErrors.class);

    private final Counter counter;
    private final AtomicBoolean failing = new AtomicBoolean();

    StorageErrors(Counter counter) {
        this.counter = counter;
    }

    void failed(String what, Throwable error) {
        counter.increment();
        if (failing.compareAndSet(false, true)) {
            log.error("Cannot write to the cache ({}: {}); blobs are served straight from the upstream, uncached, until "
                    + "writes work again (counted in longshore.fills.storage.errors)", what, error.toString());
        } else {
            log.debug("cache write failed again ({}: {})", what, error.toString());
        }
    }

    void committed() {
        if (failing.compareAndSet(true, false)) {
            log.info("Writes to the cache work again");
        }
    }
}
