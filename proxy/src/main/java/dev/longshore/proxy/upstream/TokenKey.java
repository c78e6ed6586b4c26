package dev.longshore.proxy.upstream;

import java.util.List;

/** What a bearer token is good for: one token service (realm and service name) and the scopes it grants. */
record TokenKey(String realm, String service, List<String> scopes) {

    TokenKey {
        scopes = List.copyOf(scopes);
    }
}
