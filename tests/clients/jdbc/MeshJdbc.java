// Drives pgjdbc (Debian libpostgresql-jdbc-java) against a running meshgate as analyst:
// DatabaseMetaData.getSchemas/getTables/getColumns (with the contracts' comments), the rest
// of the DatabaseMetaData surface that DBeaver, Metabase and Tableau browse with (MetaData.java),
// and a PreparedStatement with int, text and date parameters checked against a second query.
// Run through tests/clients/jdbc.sh.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

public class MeshJdbc {
    public static void check(boolean condition, String message) {
        if (!condition) {
            System.err.println("FAIL: " + message);
            System.exit(1);
        }
        System.out.println("ok  " + message);
    }

    static long count(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static void main(String[] args) throws Exception {
        String host = System.getenv().getOrDefault("MESHGATE_HOST", "127.0.0.1");
        String port = System.getenv().getOrDefault("MESHGATE_PORT", "5433");
        String url = "jdbc:postgresql://" + host + ":" + port + "/mesh";
        try (Connection conn = DriverManager.getConnection(url, "analyst", "analyst")) {
            DatabaseMetaData meta = conn.getMetaData();
            check(meta.getDatabaseProductName().equals("PostgreSQL"),
                "connected: " + meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion());

            List<String> schemas = new ArrayList<>();
            try (ResultSet rs = meta.getSchemas()) {
                while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM"));
            }
            check(schemas.containsAll(List.of("sales", "customers", "supply", "mesh")),
                "getSchemas: " + schemas);

            List<String> tables = new ArrayList<>();
            String ordersRemark = null;
            try (ResultSet rs = meta.getTables(null, "sales", "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_NAME"));
                    if (rs.getString("TABLE_NAME").equals("orders")) ordersRemark = rs.getString("REMARKS");
                }
            }
            check(tables.equals(List.of("lineitem", "orders")), "getTables(sales): " + tables);
            check("One row per customer order (order header).".equals(ordersRemark),
                "getTables REMARKS of sales.orders: " + ordersRemark);
            List<String> supply = new ArrayList<>();
            try (ResultSet rs = meta.getTables(null, "supply", "%", new String[] {"TABLE"})) {
                while (rs.next()) supply.add(rs.getString("TABLE_NAME"));
            }
            check(!supply.contains("supplier") && supply.contains("part"),
                "getTables(supply) hides supplier, which analyst may not read: " + supply);

            List<String> columns = new ArrayList<>();
            String keyRemark = null;
            String keyType = null;
            try (ResultSet rs = meta.getColumns(null, "sales", "orders", "%")) {
                while (rs.next()) {
                    columns.add(rs.getString("COLUMN_NAME"));
                    if (rs.getString("COLUMN_NAME").equals("o_orderkey")) {
                        keyRemark = rs.getString("REMARKS");
                        keyType = rs.getString("TYPE_NAME");
                    }
                }
            }
            check(columns.size() == 9 && columns.get(0).equals("o_orderkey"),
                "getColumns(sales.orders): " + columns);
            check("int8".equals(keyType), "o_orderkey TYPE_NAME " + keyType);
            check("Order number. Referenced by sales.lineitem.l_orderkey.".equals(keyRemark),
                "getColumns REMARKS of o_orderkey: " + keyRemark);

            MetaData.checkAll(conn);

            long total = count(conn, "SELECT count(*) FROM sales.orders");
            String sql = "SELECT count(*), min(o_orderkey) FROM sales.orders o "
                + "JOIN customers.customer c ON c.c_custkey = o.o_custkey "
                + "WHERE o.o_orderstatus = ? AND o.o_orderdate < ? AND o.o_custkey > ?";
            long sum = 0;
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                for (String status : new String[] {"F", "O", "P"}) {
                    ps.setString(1, status);
                    ps.setDate(2, Date.valueOf("1999-01-01"));
                    ps.setInt(3, 0);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        sum += rs.getLong(1);
                        check(rs.getLong(1) > 0, "PreparedStatement status " + status + ": " + rs.getLong(1) + " orders");
                    }
                }
            }
            check(sum == total, "the three counts add up to all " + total + " orders");

            try (Statement st = conn.createStatement()) {
                st.executeQuery("SELECT count(*) FROM supply.supplier");
                check(false, "analyst read supply.supplier");
            } catch (SQLException e) {
                check("42501".equals(e.getSQLState()), "supply.supplier is denied: " + e.getSQLState());
            }

            // setQueryTimeout (DBeaver's and most tools' timeout) cancels through a
            // CancelRequest: an endless cross join is stopped while its rows stream
            try (Statement st = conn.createStatement()) {
                st.setQueryTimeout(1);
                long started = System.nanoTime();
                try (ResultSet rs = st.executeQuery(
                        "SELECT a.o_orderkey, b.o_comment FROM sales.orders a CROSS JOIN sales.orders b")) {
                    while (rs.next()) { }
                    check(false, "the endless query ended by itself");
                } catch (SQLException e) {
                    double seconds = (System.nanoTime() - started) / 1e9;
                    check("57014".equals(e.getSQLState()),
                        String.format("setQueryTimeout(1) cancels a streaming query: %s after %.2f s", e.getSQLState(), seconds));
                }
            }
            check(count(conn, "SELECT count(*) FROM customers.region") == 5,
                "the connection goes on after the cancel");

            // pgjdbc sends the JVM's zone as TimeZone at login; timestamptz values stay instants
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery(
                        "SELECT current_setting('TimeZone'), '2024-07-01 10:00:00+00'::timestamptz")) {
                rs.next();
                java.time.OffsetDateTime t = rs.getObject(2, java.time.OffsetDateTime.class);
                check(t.toInstant().equals(java.time.Instant.parse("2024-07-01T10:00:00Z")),
                    "timestamptz read back as the same instant with TimeZone " + rs.getString(1));
            }
        }
        System.out.println("jdbc: all checks passed");
    }
}
