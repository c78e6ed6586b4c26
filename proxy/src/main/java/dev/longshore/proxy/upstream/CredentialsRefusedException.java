package dev.longshore.proxy.upstream;

/**
 * The upstream (or its token service) refused the credentials configured for it. Not the same as an image that is
 * missing or private to an anonymous client, which the upstream's own 401 or 404 says: a wrong password must not look
 * like a missing image, and cached content keeps being served (as in any outage) until someone fixes the settings.
 */
public final class CredentialsRefusedException extends UpstreamException {

    public CredentialsRefusedException(String message) {
        super(message);
    }
}
