package dev.longshore.proxy.fill;

import io.netty.channel.DefaultFileRegion;

import java.nio.channels.FileChannel;

/**
 * A span of a file whose handle belongs to someone else: unlike its parent, releasing it does not close the file. A
 * {@link FillReader} sends many such spans from its hold on the fill's {@link FillFile}, which must stay open because
 * the temp file's path stops naming the blob when the fill commits (renames) or fails (deletes) it.
 *
 * <p>It is a DefaultFileRegion because that is the type Netty's native epoll transport sends with sendfile(2); any
 * other FileRegion is copied through a buffer there. Its checks stay too: a file shorter than the span fails the write
 * instead of being retried for ever.
 */
final class SharedFileRegion extends DefaultFileRegion {
    private final Runnable onReleased;

    SharedFileRegion(FileChannel file, long position, long count, Runnable onReleased) {
        super(file, position, count);
        this.onReleased = onReleased;
    }

    @Override
    protected void deallocate() {
        onReleased.run();
    }
}
