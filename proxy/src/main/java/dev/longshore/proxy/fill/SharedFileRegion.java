package dev.longshore.proxy.fill;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A span of a file whose handle belongs to someone else: unlike Netty's DefaultFileRegion, releasing it does not close
 * the file. A {@link FillReader} sends many such spans from its one handle, which it must keep because the temp file's
 * path stops naming the blob when the fill commits (renames) or fails (deletes) it.
 */
final class SharedFileRegion extends AbstractReferenceCounted implements FileRegion {
    private final FileChannel file;
    private final long position;
    private final long count;
    private final Runnable onReleased;
    private long transferred;

    SharedFileRegion(FileChannel file, long position, long count, Runnable onReleased) {
        this.file = file;
        this.position = position;
        this.count = count;
        this.onReleased = onReleased;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Deprecated
    @Override
    public long transfered() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferTo(WritableByteChannel target, long offset) throws IOException {
        long remaining = count - offset;
        if (remaining <= 0) {
            return 0;
        }
        long n = file.transferTo(position + offset, remaining, target);
        if (n == 0 && file.size() < position + count) {
            // Zero would read as "socket full" and be retried for ever; a file shorter than the span never fills it.
            throw new IOException("file is " + file.size() + " bytes, shorter than the span to send ending at " + (position + count));
        }
        transferred += n;
        return n;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        onReleased.run();
    }
}
