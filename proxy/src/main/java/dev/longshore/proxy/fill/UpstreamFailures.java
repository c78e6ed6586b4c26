package dev.longshore.proxy.fill;

import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.upstream.UpstreamClient;
import dev.longshore.proxy.upstream.UpstreamResponseHead;

import java.util.concurrent.CompletionException;

/** Turns what an upstream did wrong into the registry error a client gets when the cache cannot help. */
public final class UpstreamFailures {
    private UpstreamFailures() {
    }

    /** The upstream could not be asked: refused, unresolvable, timed out, reset, bad TLS. */
    public static RegistryException transport(UpstreamClient upstream, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RegistryException registryError) {
            return registryError;
        }
        String who = upstream == null ? "the upstream" : "upstream " + upstream.settings().name();
        return new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE, who + " failed: " + describe(cause), cause);
    }

    /**
     * What went wrong, in words a client's user can act on: the detail goes into the error JSON, where a Java class
     * name ({@code io.netty.channel.AbstractChannel$AnnotatedConnectException}) says nothing to them. The log keeps
     * the exception itself.
     */
    static String describe(Throwable cause) {
        String message = cause.getMessage() == null || cause.getMessage().isBlank() ? null : cause.getMessage();
        String what = switch (cause) {
            case java.net.ConnectException ignored -> "cannot connect";
            case java.net.UnknownHostException ignored -> "unknown host";
            case javax.net.ssl.SSLException ignored -> "TLS failed";
            case java.util.concurrent.TimeoutException ignored -> "timed out";
            case io.netty.handler.timeout.TimeoutException ignored -> "timed out";
            case java.nio.channels.ClosedChannelException ignored -> "connection closed";
            default -> null;
        };
        if (what == null) {
            return message != null ? message : cause.getClass().getSimpleName();
        }
        return message != null ? what + ": " + message : what;
    }

    /** The upstream answered a status other than success for {@code what} (a blob or manifest, named for the detail). */
    public static RegistryException status(UpstreamClient upstream, int status, ErrorCode notFound, String what) {
        String who = "upstream " + upstream.settings().name();
        return switch (status) {
            case 404 -> new RegistryException(notFound, who + " has no " + what);
            // Docker Hub answers 401 for repositories that do not exist as well as for private ones.
            case 401, 403 -> new RegistryException(notFound, who + " refused access to " + what + " (status " + status + ")");
            case 429 -> new RegistryException(ErrorCode.TOOMANYREQUESTS, who + " is rate-limiting us; try again later");
            default -> new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE, who + " answered " + status + " for " + what);
        };
    }

    static RegistryException blobStatus(UpstreamClient upstream, dev.longshore.storage.Digest digest, UpstreamResponseHead head) {
        return status(upstream, head.status(), ErrorCode.BLOB_UNKNOWN, "blob " + digest);
    }
}
