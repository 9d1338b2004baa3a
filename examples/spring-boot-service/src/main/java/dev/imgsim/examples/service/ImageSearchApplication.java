package dev.imgsim.examples.service;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The example service: everything imgsim comes from imgsim-spring-boot-starter's beans. */
@SpringBootApplication
public class ImageSearchApplication {
    /** @param args Spring Boot arguments, e.g. {@code --server.port=8081} */
    public static void main(String[] args) {
        SpringApplication.run(ImageSearchApplication.class, args);
    }
}
