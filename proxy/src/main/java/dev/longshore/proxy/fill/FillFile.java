package dev.longshore.proxy.fill;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A read handle on a fill's file, counted: the fill holds one, and every reader that follows the fill takes one. So a
 * fill costs one file descriptor however many clients follow it, and a client that leaves before the upstream's head
 * arrives leaves a count behind, not an open file. The handle outlives the commit's rename and a failure's unlink; it
 * closes when its last holder lets go.
 *
 * <p>Readers read and send by position only (pread, sendfile with an offset), so one handle serves them all at once.
 */
public final class FillFile {
    private final FileChannel channel;
    private final AtomicInteger holders = new AtomicInteger(1);

    private FillFile(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens {@code path} for reading, held once by the caller. Blocks on the disk: call it off the event loop. */
    static FillFile open(Path path) throws IOException {
        return new FillFile(FileChannel.open(path, StandardOpenOption.READ));
    }

    /** One more holder; false if the last one has let go already, and the handle is closed. */
    boolean retain() {
        while (true) {
            int n = holders.get();
            if (n == 0) {
                return false;
            }
            if (holders.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Lets go of one hold; the last closes the file. */
    public void release() {
        if (holders.decrementAndGet() == 0) {
            try {
                channel.close();
            } catch (IOException e) {
                // only read through: nothing is lost
            }
        }
    }

    FileChannel channel() {
        return channel;
    }
}
