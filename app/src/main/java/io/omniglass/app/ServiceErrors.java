package io.omniglass.app;

import io.omniglass.api.OmniglassClient;
import io.omniglass.views.services.ServiceException;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * The views' side of a failed call: a service whose every method turns the client's
 * {@link OmniglassClient.ApiException} into the views' {@link ServiceException} (status, error
 * and detail unchanged), so the views never depend on the client. One place for every service
 * method, including those added later.
 */
final class ServiceErrors {

    private ServiceErrors() {
    }

    static <T> T translated(Class<T> service, T target) {
        InvocationHandler handler = (proxy, method, args) -> {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw translate(e.getCause());
            }
        };
        return service.cast(Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[]{service}, handler));
    }

    static Throwable translate(Throwable failure) {
        if (failure instanceof OmniglassClient.ApiException api) {
            ServiceException views = new ServiceException(api.status(), api.error().error(), api.error().detail());
            views.initCause(api);
            return views;
        }
        return failure;
    }
}
