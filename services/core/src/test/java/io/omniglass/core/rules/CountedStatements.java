package io.omniglass.core.rules;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicInteger;

/** A pool that counts the statements its connections prepare or create: the round trips a decision sends. */
final class CountedStatements {

    private CountedStatements() {
    }

    static DataSource counting(DataSource db, AtomicInteger statements) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, args) -> {
            Object r = invoke(db, m, args);
            if (r instanceof Connection c) {
                return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p2, m2, args2) -> {
                    if (m2.getName().equals("prepareStatement") || m2.getName().equals("createStatement") || m2.getName().equals("prepareCall")) {
                        statements.incrementAndGet();
                    }
                    return invoke(c, m2, args2);
                });
            }
            return r;
        });
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
