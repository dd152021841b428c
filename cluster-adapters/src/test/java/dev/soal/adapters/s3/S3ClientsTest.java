package dev.soal.adapters.s3;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3ClientsTest {
    @Test
    void anSdkOlderThanTheMinimumIsRefusedWithWhatToDo() {
        assertThatThrownBy(() -> S3Clients.requireSdk("2.29.52"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("2.29.52").hasMessageContaining(S3Clients.MINIMUM_SDK).hasMessageContaining("newer EMR or Glue");
        assertThatCode(() -> S3Clients.requireSdk("2.30.0")).doesNotThrowAnyException();
        assertThatCode(() -> S3Clients.requireSdk("2.41.28")).doesNotThrowAnyException();
        assertThatCode(() -> S3Clients.requireSdk("2.100.1-SNAPSHOT")).doesNotThrowAnyException();
    }

    @Test
    void versionsCompareByNumberNotByText() {
        assertThat(S3Clients.compareVersions("2.9.0", "2.30.0")).isNegative();
        assertThat(S3Clients.compareVersions("2.30.1", "2.30.0")).isPositive();
        assertThat(S3Clients.compareVersions("3.0", "2.99.99")).isPositive();
        assertThat(S3Clients.compareVersions("2.30.0", "2.30.0")).isZero();
    }

    @Test
    void theSdkOnThisClasspathIsAccepted() {
        assertThatCode(() -> S3Clients.requireSdk(software.amazon.awssdk.core.util.VersionInfo.SDK_VERSION)).doesNotThrowAnyException();
    }
}
