package dev.soal.router.aws;

import dev.soal.router.api.ApiGatewayProxy;
import dev.soal.router.api.JobsApi;

import java.util.Map;

/**
 * The jobs API as a Lambda behind API Gateway (REST API, proxy integration, IAM authorization).
 * Configuration from the environment: see {@link AwsRouterConfig}.
 */
public final class ApiFunction extends RouterFunction {
    private final JobsApi api;

    public ApiFunction() {
        this(new JobsApi(AwsRuntime.fromEnvironment().jobs()), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    ApiFunction(JobsApi api, Runnable afterEach) {
        super(afterEach);
        this.api = api;
    }

    @Override
    Map<String, Object> handle(Map<String, Object> event) {
        return ApiGatewayProxy.response(api.handle(ApiGatewayProxy.request(event)));
    }
}
