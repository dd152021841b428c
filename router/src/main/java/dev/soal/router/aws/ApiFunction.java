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

    public ApiFunction() {
        this(new JobsApi(AwsRuntime.fromEnvironment().jobs()));
    }

    ApiFunction(JobsApi api) {
        this.api = api;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        return ApiGatewayProxy.response(api.handle(ApiGatewayProxy.request(event)));
    }
}
