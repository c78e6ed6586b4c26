package dev.longshore.proxy;

import dev.longshore.config.Settings;

import java.net.InetSocketAddress;

/**
 * A running Longshore: the registry API listener, its storage and its upstream clients.
 * {@link #start(Settings)} returns once the port is bound; {@link #close()} stops accepting,
 * closes connections and closes the storage.
 */
public final class LongshoreServer implements AutoCloseable {

    private LongshoreServer() {
    }

    public static LongshoreServer start(Settings settings) throws Exception {
        throw new UnsupportedOperationException("not yet");
    }

    /** The bound address (with the real port when the settings asked for port 0). */
    public InetSocketAddress address() {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
