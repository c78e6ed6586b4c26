package dev.longshore.benchmarks.seed;

import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@code length} deterministic, incompressible bytes from a seed (SplitMix64), produced as they are read, so a 1 GiB
 * layer never sits in memory and the same seed gives the same blob on every run and machine.
 */
public final class PseudoRandomBytes extends InputStream {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long length;
    private long position;
    private long state;
    // The generator yields 8 bytes at a time; a read that ends mid-word keeps the rest here.
    private final byte[] word = new byte[8];
    private int wordUsed = 8;

    public PseudoRandomBytes(long seed, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        this.state = seed;
        this.length = length;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int len) {
        Objects.checkFromIndexSize(offset, len, buffer.length);
        if (position >= length) {
            return -1;
        }
        int n = (int) Math.min(len, length - position);
        int i = offset;
        int end = offset + n;
        while (i < end && wordUsed < 8) {
            buffer[i++] = word[wordUsed++];
        }
        while (end - i >= 8) {
            LONGS.set(buffer, i, next());
            i += 8;
        }
        if (i < end) {
            LONGS.set(word, 0, next());
            wordUsed = 0;
            while (i < end) {
                buffer[i++] = word[wordUsed++];
            }
        }
        position += n;
        return n;
    }

    @Override
    public long skip(long n) {
        throw new UnsupportedOperationException("the generator only runs forward by reading");
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    private long next() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
