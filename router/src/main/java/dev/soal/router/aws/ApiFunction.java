package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.soal.router.api.ApiGatewayProxy;
import dev.soal.router.api.JobsApi;


/**
 * The jobs API as a Lambda behind API Gateway (REST API, proxy integration, IAM authorization).
 * Configuration from the environment: see {@link AwsRouterConfig}.
 */
public final class ApiFunction extends RouterFunction<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private final JobsApi api;

    public ApiFunction() {
        this(new JobsApi(AwsRuntime.fromEnvironment().jobs()), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    ApiFunction(JobsApi api, Runnable afterEach) {
        super(afterEach);
        this.api = api;
    }

    @Override
    APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiGatewayProxy.response(api.handle(ApiGatewayProxy.request(event)));
    }
}
