package dev.longshore.proxy;

import dev.longshore.config.HostPort;
import dev.longshore.config.SettingsException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;

import java.io.IOException;

/**
 * Binds a listener so that a failure names the setting to change: with two listeners (the registry API and the admin
 * one), "Address already in use" alone leaves the operator guessing which port is taken.
 */
public final class Listeners {
    private Listeners() {
    }

    /** Binds {@code address}, configured under {@code key} (as the user would write it: {@code listen}, {@code adminListen}). */
    public static Channel bind(ServerBootstrap bootstrap, HostPort address, String key) throws InterruptedException {
        try {
            return bootstrap.bind(address.host(), address.port()).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // sync() rethrows the bind's own exception, checked or not: in use, not a local address, no permission.
            // NIO throws a SocketException, native epoll its own IOException.
            if (e instanceof IOException) {
                throw new SettingsException(key, "cannot listen on " + address + ": " + e.getMessage());
            }
            throw new IllegalStateException("cannot listen on " + address, e);
        }
    }
}
