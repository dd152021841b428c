package dev.soal.runtime;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.soal.core.TableSettings;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code soal} catalog as it is in AWS ({@code SOAL_CATALOG=glue}): Iceberg's GlueCatalog, with the classes the
 * runtime image carries (its test classpath is the image's {@code spark-home}), speaking to the Glue Data Catalog,
 * here WireMock answering as the Glue service model says (JSON 1.1, {@code X-Amz-Target: AWSGlue.<Operation>},
 * errors as {@code __type} and {@code Message}).
 */
class GlueCatalogWireTest {
    private static final String JSON = "application/x-amz-json-1.1";
    private static WireMockServer glue;
    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        glue = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        glue.start();
        // what a Lambda function's environment gives the SDK's default chains
        System.setProperty("aws.region", "eu-west-1");
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "secret");
        SparkSession.Builder b = SparkSession.builder();
        SparkSettings.lambda(1, tmp.resolve("lambda-tmp")).forEach(b::config);
        SparkSettings.tables(TableSettings.glue("s3://soal-data/warehouse/")).forEach(b::config);
        // the one setting that is this test's: Glue at WireMock
        b.config("spark.sql.catalog.soal.glue.endpoint", glue.baseUrl());
        spark = b.getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        glue.stop();
        System.clearProperty("aws.region");
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private static MappingBuilder operation(String name) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSGlue." + name));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder error(String type, String message) {
        return aResponse().withStatus(400).withHeader("Content-Type", JSON)
                .withHeader("x-amzn-ErrorType", type)
                .withBody("{\"__type\":\"" + type + "\",\"Message\":\"" + message + "\"}");
    }

    @Test
    void createNamespace_listNamespacesAndTables_andAMissingNamespace_throughTheGlueDataCatalog() {
        glue.stubFor(operation("GetDatabase").withRequestBody(equalToJson("{\"Name\":\"listings\"}", true, true))
                .inScenario("listings").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error("EntityNotFoundException", "Database listings not found.")));
        glue.stubFor(operation("CreateDatabase").inScenario("listings").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okForContentType(JSON, "{}")).willSetStateTo("created"));
        glue.stubFor(operation("GetDatabase").withRequestBody(equalToJson("{\"Name\":\"listings\"}", true, true))
                .inScenario("listings").whenScenarioStateIs("created")
                .willReturn(okForContentType(JSON, "{\"Database\":{\"Name\":\"listings\",\"CreateTime\":1.7645E9,"
                        + "\"Parameters\":{}}}")));
        glue.stubFor(operation("GetDatabases").willReturn(okForContentType(JSON,
                "{\"DatabaseList\":[{\"Name\":\"default\"},{\"Name\":\"listings\"}]}")));
        // one Iceberg table and one that is not (Iceberg's catalog lists only its own)
        glue.stubFor(operation("GetTables").withRequestBody(equalToJson("{\"DatabaseName\":\"listings\"}", true, true)).willReturn(okForContentType(JSON, "{\"TableList\":["
                + "{\"Name\":\"prices\",\"DatabaseName\":\"listings\",\"Parameters\":{\"table_type\":\"ICEBERG\","
                + "\"metadata_location\":\"s3://soal-data/warehouse/listings.db/prices/metadata/00001.metadata.json\"}},"
                + "{\"Name\":\"raw_csv\",\"DatabaseName\":\"listings\",\"Parameters\":{\"classification\":\"csv\"}}]}")));
        glue.stubFor(operation("GetDatabase").withRequestBody(equalToJson("{\"Name\":\"missing\"}", true, true))
                .willReturn(error("EntityNotFoundException", "Database missing not found.")));

        spark.sql("CREATE NAMESPACE soal.listings");
        List<String> namespaces = spark.sql("SHOW NAMESPACES IN soal").collectAsList().stream().map(r -> r.getString(0)).toList();
        List<Row> tables = spark.sql("SHOW TABLES IN soal.listings").collectAsList();

        glue.verify(postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("AWSGlue.CreateDatabase"))
                .withHeader("Content-Type", containing(JSON))
                // signed for Glue in the environment's region
                .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/glue/aws4_request.*"))
                .withRequestBody(matching(".*\"DatabaseInput\":\\{.*\"Name\":\"listings\".*")));
        assertThat(namespaces).containsExactly("default", "listings");
        assertThat(tables).extracting(r -> r.getString(0) + "." + r.getString(1)).containsExactly("listings.prices");
        // Glue's EntityNotFoundException is Spark's missing schema
        assertThatThrownBy(() -> spark.sql("DESCRIBE NAMESPACE soal.missing").collect())
                .hasMessageContaining("SCHEMA_NOT_FOUND").hasMessageContaining("missing");
    }
}
