package dev.longshore.proxy.api;

/**
 * A request that ends in a registry error response: the code decides status and message, the detail says what exactly
 * went wrong in words a user of {@code docker pull} can act on. Thrown (or completed exceptionally) anywhere on a
 * request's path; the {@link dev.longshore.proxy.http.RegistryHandler} turns it into the spec's JSON.
 */
public final class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final String detail;

    public RegistryException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    public RegistryException(ErrorCode code, String detail, Throwable cause) {
        super(code + ": " + detail, cause, false, false);
        this.code = code;
        this.detail = detail;
    }

    public ErrorCode code() {
        return code;
    }

    public String detail() {
        return detail;
    }
}
