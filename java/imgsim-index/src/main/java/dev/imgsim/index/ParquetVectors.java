package dev.imgsim.index;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Reads the Parquet output of imgsim-spark's {@code EmbedImagesJob} (or any Parquet with an id
 * column and an {@code embedding} list-of-float column) row by row, for the search backends'
 * bulk loads. Reads through DuckDB's JDBC driver, which must be on the classpath
 * ({@code org.duckdb:duckdb_jdbc}; not a dependency of imgsim).
 */
public final class ParquetVectors {
    private ParquetVectors() {
    }

    /**
     * Calls {@code sink} with each row's id and vector, in file order; rows with a null embedding
     * (images that failed) are skipped.
     *
     * @param parquet a Parquet file, a folder of them (as Spark writes: it must hold Spark's
     *     {@code _SUCCESS} marker, so the output of a job that crashed half-way is never taken as
     *     complete) or a glob ({@code dir/*.parquet})
     * @param idColumn the column to use as the id ({@code path} for EmbedImagesJob's output)
     * @param sink receives (id, vector)
     * @return the number of rows passed to {@code sink}
     * @throws IllegalStateException if DuckDB's JDBC driver is not on the classpath
     * @throws IllegalArgumentException if the files cannot be read or lack the columns, or a
     *     folder has no {@code _SUCCESS} marker (an unfinished Spark job)
     */
    public static long forEach(String parquet, String idColumn, BiConsumer<String, float[]> sink) {
        Objects.requireNonNull(parquet, "parquet");
        Objects.requireNonNull(idColumn, "idColumn");
        Objects.requireNonNull(sink, "sink");
        if (Files.isDirectory(Paths.get(parquet)) && !Files.exists(Paths.get(parquet, "_SUCCESS"))) {
            throw new IllegalArgumentException("the Parquet folder " + parquet + " has no _SUCCESS marker: the Spark job"
                    + " that wrote it did not finish (or is still running); run it again, or load its files by a glob"
                    + " if you know they are complete");
        }
        String files = Files.isDirectory(Paths.get(parquet)) ? parquet + "/*.parquet" : parquet;
        String sql = "SELECT CAST(\"" + idColumn.replace("\"", "\"\"") + "\" AS VARCHAR), embedding FROM read_parquet('"
                + files.replace("'", "''") + "') WHERE embedding IS NOT NULL";
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:duckdb:");
        } catch (SQLException e) {
            throw new IllegalStateException("reading Parquet needs DuckDB's JDBC driver on the classpath: add"
                    + " org.duckdb:duckdb_jdbc (" + e.getMessage() + ")", e);
        }
        long n = 0;
        try (Connection conn = c; Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                Object[] values = (Object[]) rs.getArray(2).getArray();
                float[] v = new float[values.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = ((Number) values[i]).floatValue();
                }
                sink.accept(rs.getString(1), v);
                n++;
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException("cannot read Parquet " + files + " (column '" + idColumn
                    + "' and 'embedding'): " + e.getMessage(), e);
        }
        return n;
    }
}
