package dev.longshore.proxy.http;

/**
 * What is learned about one request while it is answered, for the {@link RequestObserver}: the route and upstream
 * (set by {@link RegistryService} as it routes) and the authenticated user (the slot client authentication will fill).
 * Written and read on the connection's event loop only.
 */
public final class RequestContext {
    /** Routes as metric tag values: a fixed set, never a repository or a digest. */
    public static final String ROUTE_BASE = "base";
    public static final String ROUTE_MANIFEST = "manifest";
    public static final String ROUTE_BLOB = "blob";
    public static final String ROUTE_TAGS = "tags";
    public static final String ROUTE_REFERRERS = "referrers";
    public static final String ROUTE_UPLOAD = "upload";
    /** Anything that failed before it was routed: a bad path, a write method, a malformed request. */
    public static final String ROUTE_OTHER = "other";

    private String route = ROUTE_OTHER;
    private String upstream;
    private String user;

    public String route() {
        return route;
    }

    public void route(String newRoute) {
        this.route = newRoute;
    }

    /** The name of the upstream the request was routed to; null before routing. */
    public String upstream() {
        return upstream;
    }

    public void upstream(String newUpstream) {
        this.upstream = newUpstream;
    }

    /** The authenticated user; null while Longshore does not authenticate clients. */
    public String user() {
        return user;
    }

    public void user(String newUser) {
        this.user = newUser;
    }
}
