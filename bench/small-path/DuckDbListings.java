import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The example's aggregation on DuckDB (JDBC, in process): the CSV in, the stats to Parquet, the top 10 printed.
 * Usage: DuckDbListings <input.csv> <output.parquet> <threads>.
 */
public class DuckDbListings {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET threads = " + Integer.parseInt(args[2]));
            s.execute("CREATE VIEW listings AS SELECT * FROM read_csv('" + args[0] + "', header = true, columns = {"
                    + "'id': 'BIGINT', 'name': 'VARCHAR', 'host_id': 'BIGINT', 'neighbourhood_group': 'VARCHAR', 'neighbourhood': 'VARCHAR',"
                    + "'latitude': 'DOUBLE', 'longitude': 'DOUBLE', 'room_type': 'VARCHAR', 'price': 'INTEGER', 'minimum_nights': 'INTEGER',"
                    + "'number_of_reviews': 'INTEGER', 'last_review': 'DATE', 'reviews_per_month': 'DOUBLE', 'availability_365': 'INTEGER'})");
            s.execute("CREATE TABLE stats AS SELECT neighbourhood_group, neighbourhood, room_type, count(*) AS listings,"
                    + " round(avg(price), 2) AS avg_price, min(price) AS min_price, max(price) AS max_price,"
                    + " sum(number_of_reviews) AS reviews, round(avg(availability_365), 1) AS avg_availability"
                    + " FROM listings GROUP BY ALL");
            s.execute("COPY stats TO '" + args[1] + "' (FORMAT parquet)");
            try (ResultSet r = s.executeQuery("SELECT neighbourhood_group, neighbourhood, room_type, listings, avg_price FROM stats"
                    + " ORDER BY listings DESC, neighbourhood, room_type LIMIT 10")) {
                while (r.next()) {
                    System.out.println(r.getString(1) + " | " + r.getString(2) + " | " + r.getString(3) + " | " + r.getLong(4));
                }
            }
        }
    }
}
