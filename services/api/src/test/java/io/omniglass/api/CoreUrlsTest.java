package io.omniglass.api;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoreUrlsTest {

    @Test
    void severalCoresAreTriedFromTheOneThatAnsweredLast() {
        CoreUrls urls = CoreUrls.parse(" http://a:8686/, http://b:8686 ,https://c:8443,http://a:8686");
        assertThat(urls.all()).containsExactly(URI.create("http://a:8686"), URI.create("http://b:8686"), URI.create("https://c:8443"));
        assertThat(urls.current()).isEqualTo(URI.create("http://a:8686"));
        assertThat(urls.fromCurrent()).containsExactly(URI.create("http://a:8686"), URI.create("http://b:8686"), URI.create("https://c:8443"));
        urls.answered(URI.create("https://c:8443"));
        assertThat(urls.current()).isEqualTo(URI.create("https://c:8443"));
        assertThat(urls.fromCurrent()).containsExactly(URI.create("https://c:8443"), URI.create("http://a:8686"), URI.create("http://b:8686"));
        assertThat(urls.describe()).contains("https://c:8443", "2 more");
    }

    @Test
    void oneCoreIsOneCore() {
        CoreUrls urls = CoreUrls.parse("http://127.0.0.1:8686");
        assertThat(urls.size()).isEqualTo(1);
        assertThat(urls.describe()).isEqualTo("http://127.0.0.1:8686");
    }

    @Test
    void whatIsNotACoreUrlIsSaid() {
        assertThatThrownBy(() -> CoreUrls.parse("")).hasMessageContaining("no core URL");
        assertThatThrownBy(() -> CoreUrls.parse(" , ")).hasMessageContaining("no core URL");
        assertThatThrownBy(() -> CoreUrls.parse("http://a:8686,ftp://b")).hasMessageContaining("not a core URL: 'ftp://b'");
        assertThatThrownBy(() -> CoreUrls.parse("a:8686")).hasMessageContaining("not a core URL: 'a:8686'");
        assertThatThrownBy(() -> CoreUrls.parse("http://a b")).hasMessageContaining("not a core URL");
    }
}
