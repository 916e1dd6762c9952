// pgjdbc's DatabaseMetaData surface as BI tools (DBeaver, Metabase, Tableau) browse a database
// with it, and ResultSetMetaData of a query, as analyst: every call must succeed and say what
// is true of the mesh (analyst may read neither supply.supplier nor change anything).
// Called from MeshJdbc.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class MetaData {
    interface Call {
        ResultSet run() throws SQLException;
    }

    /** Each row of `call` as a map of column label to text. */
    static List<Map<String, String>> rows(Call call) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (ResultSet rs = call.run()) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i).toUpperCase(), rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static List<String> column(List<Map<String, String>> rows, String name) {
        List<String> values = new ArrayList<>();
        for (Map<String, String> row : rows) values.add(row.get(name));
        return values;
    }

    static void check(boolean condition, String message) {
        MeshJdbc.check(condition, message);
    }

    static void checkAll(Connection conn) throws SQLException {
        DatabaseMetaData meta = conn.getMetaData();

        check(column(rows(meta::getCatalogs), "TABLE_CAT").equals(List.of("mesh")), "getCatalogs: mesh");

        List<Map<String, String>> tables = rows(() -> meta.getTables(null, null, "%", new String[] {"TABLE"}));
        List<String> names = new ArrayList<>();
        for (Map<String, String> t : tables) names.add(t.get("TABLE_SCHEM") + "." + t.get("TABLE_NAME"));
        check(names.contains("supply.part") && names.contains("sales.orders") && !names.contains("supply.supplier"),
            "getTables(all schemas) lists what analyst may read and not supply.supplier: " + names);
        check(column(rows(meta::getTableTypes), "TABLE_TYPE").contains("TABLE"), "getTableTypes has TABLE");

        Map<String, String> price = null;
        for (Map<String, String> c : rows(() -> meta.getColumns(null, "sales", "orders", "o_totalprice"))) price = c;
        check(price != null && "numeric".equals(price.get("TYPE_NAME")) && "15".equals(price.get("COLUMN_SIZE"))
                && "2".equals(price.get("DECIMAL_DIGITS")) && String.valueOf(Types.NUMERIC).equals(price.get("DATA_TYPE"))
                && price.get("REMARKS") != null && price.get("REMARKS").startsWith("Total amount"),
            "getColumns: o_totalprice is numeric(15,2) with its comment: " + price);

        List<Map<String, String>> types = rows(meta::getTypeInfo);
        Map<String, String> int4 = null;
        for (Map<String, String> t : types) if ("int4".equals(t.get("TYPE_NAME"))) int4 = t;
        check(int4 != null && String.valueOf(Types.INTEGER).equals(int4.get("DATA_TYPE"))
                && column(types, "TYPE_NAME").containsAll(List.of("numeric", "text", "date", "timestamptz")),
            "getTypeInfo: " + types.size() + " types, int4 is INTEGER");

        List<Map<String, String>> privileges = rows(() -> meta.getTablePrivileges(null, "sales", "orders"));
        check(!privileges.isEmpty() && column(privileges, "PRIVILEGE").stream().allMatch("SELECT"::equals)
                && column(privileges, "GRANTEE").contains("analyst"),
            "getTablePrivileges(sales.orders): SELECT only, granted to analyst: " + privileges);
        List<Map<String, String>> columnPrivileges = rows(() -> meta.getColumnPrivileges(null, "sales", "orders", "o_%"));
        check(columnPrivileges.size() >= 9 && column(columnPrivileges, "PRIVILEGE").stream().allMatch("SELECT"::equals),
            "getColumnPrivileges(sales.orders): SELECT only, " + columnPrivileges.size() + " rows");
        check(rows(() -> meta.getTablePrivileges(null, "supply", "supplier")).isEmpty(),
            "getTablePrivileges(supply.supplier) is empty for analyst");

        List<Map<String, String>> functions = rows(() -> meta.getFunctions(null, "pg_catalog", "bool%"));
        check(column(functions, "FUNCTION_NAME").contains("boolin"), "getFunctions(bool%) has boolin");
        List<String> argumentTypes = column(rows(() -> meta.getFunctionColumns(null, "pg_catalog", "boolin", null)), "TYPE_NAME");
        check(argumentTypes.equals(List.of("bool", "cstring")), "getFunctionColumns(boolin): " + argumentTypes);
        List<String> procedureTypes = column(rows(() -> meta.getProcedureColumns(null, "pg_catalog", "boolin", null)), "TYPE_NAME");
        check(procedureTypes.equals(List.of("bool", "cstring")), "getProcedureColumns(boolin): " + procedureTypes);

        check(rows(() -> meta.getUDTs(null, null, "%", null)).isEmpty(), "getUDTs: no user-defined types");
        check(column(rows(() -> meta.getVersionColumns(null, "sales", "orders")), "COLUMN_NAME").equals(List.of("ctid")),
            "getVersionColumns: ctid, as on PostgreSQL");
        check(column(rows(meta::getClientInfoProperties), "NAME").contains("ApplicationName"),
            "getClientInfoProperties: ApplicationName");
        try {
            meta.getSuperTables(null, "sales", "%");
            check(false, "getSuperTables answered");
        } catch (SQLFeatureNotSupportedException e) {
            check(true, "getSuperTables is not supported by pgjdbc, as against PostgreSQL");
        }
        check(meta.getSQLKeywords().contains("limit") || meta.getSQLKeywords().contains("LIMIT"),
            "getSQLKeywords: " + meta.getSQLKeywords().length() + " characters");
        check(meta.getMaxColumnsInIndex() == 32 && meta.getMaxTableNameLength() == 63,
            "limits: max_index_keys 32, identifiers of 63 bytes");

        for (String[] table : new String[][] {{"sales", "orders"}, {"sales", "lineitem"}}) {
            rows(() -> meta.getImportedKeys(null, table[0], table[1]));
            rows(() -> meta.getExportedKeys(null, table[0], table[1]));
            rows(() -> meta.getPrimaryKeys(null, table[0], table[1]));
            rows(() -> meta.getBestRowIdentifier(null, table[0], table[1], DatabaseMetaData.bestRowSession, true));
        }
        rows(() -> meta.getCrossReference(null, "sales", "orders", null, "sales", "lineitem"));
        check(true, "getImportedKeys/getExportedKeys/getPrimaryKeys/getBestRowIdentifier/getCrossReference answer");

        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT o_totalprice, o_orderkey, o_comment FROM sales.orders LIMIT 1")) {
            ResultSetMetaData md = rs.getMetaData();
            check(md.getColumnTypeName(1).equals("numeric") && md.getPrecision(1) == 15 && md.getScale(1) == 2,
                "ResultSetMetaData: o_totalprice numeric(" + md.getPrecision(1) + "," + md.getScale(1) + ")");
            check(md.getColumnTypeName(2).equals("int8") && md.getColumnType(2) == Types.BIGINT
                    && md.getColumnTypeName(3).equals("text"),
                "ResultSetMetaData: o_orderkey int8, o_comment text");
        }
    }
}
