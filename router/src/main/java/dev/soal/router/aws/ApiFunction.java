package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.soal.router.api.ApiGatewayProxy;
import dev.soal.router.api.JobsApi;

import java.util.Map;

/**
 * The jobs API as a Lambda behind API Gateway (REST API, proxy integration, IAM authorization).
 * Configuration from the environment: see {@link AwsRouterConfig}.
 */
public final class ApiFunction implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final JobsApi api;
    private final Runnable afterEach;

    public ApiFunction() {
        this(new JobsApi(AwsRuntime.fromEnvironment().jobs()), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    ApiFunction(JobsApi api, Runnable afterEach) {
        this.api = api;
        this.afterEach = afterEach;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        try {
            return ApiGatewayProxy.response(api.handle(ApiGatewayProxy.request(event)));
        } finally {
            afterEach.run();
        }
    }
}
