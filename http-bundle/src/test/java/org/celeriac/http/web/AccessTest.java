package org.celeriac.http.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AccessTest {
    @Test
    void onlyLoopbackHostHeadersCountAsLocal() {
        for (String local : new String[] {"localhost", "localhost:8080", "127.0.0.1:8080", "127.1.2.3", "[::1]:8080", "LOCALHOST"}) {
            assertTrue(Access.loopbackHost(local), local);
        }
        for (String foreign : new String[] {"evil.example", "evil.example:8080", "localhost.evil.example", "10.0.0.1:80",
                "[2001:db8::1]:80", "0.0.0.0:8080", "", null}) {
            assertFalse(Access.loopbackHost(foreign), String.valueOf(foreign));
        }
    }

    @Test
    void aLoopbackEndpointMakesItsOwnLongTokenAndAConfiguredOneIsKept() {
        assertFalse(new Access((String) null).tokenConfigured());
        assertFalse(new Access(" ").tokenConfigured());
        assertTrue(new Access("s3cret").tokenConfigured());
    }
}
