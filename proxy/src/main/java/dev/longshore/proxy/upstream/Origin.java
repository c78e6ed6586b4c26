package dev.longshore.proxy.upstream;

import java.net.URI;
import java.util.Locale;

/**
 * Where a connection goes: scheme, host and port. Connections are pooled per origin, and Authorization is
 * only ever sent to the origin it was meant for.
 *
 * @param host as in a URI: lower-case, IPv6 literals in brackets
 */
record Origin(String scheme, String host, int port) {

    static Origin of(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("not an http(s) URL: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URL has no host: " + uri);
        }
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return new Origin(scheme, uri.getHost().toLowerCase(Locale.ROOT), port);
    }

    boolean secure() {
        return scheme.equals("https");
    }

    /** The Host header: the port only when it is not the scheme's default. */
    String hostHeader() {
        boolean defaultPort = secure() ? port == 443 : port == 80;
        return defaultPort ? host : host + ":" + port;
    }

    /** The host to resolve and to name in TLS SNI: without the brackets of an IPv6 literal. */
    String bareHost() {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
