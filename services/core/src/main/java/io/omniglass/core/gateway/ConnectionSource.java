package io.omniglass.core.gateway;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where a piece of JDBC work gets its connection: {@code session::connection} of a system
 * session in the core, {@code dataSource::getConnection} in a test's fixture. The caller closes it.
 */
@FunctionalInterface
public interface ConnectionSource {
    Connection connection() throws SQLException;
}
