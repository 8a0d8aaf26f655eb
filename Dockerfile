# flyover's image: one static binary, CA certificates for TLS, a non-root
# user, nothing else (no shell). `make image` builds it with buildah and no
# network: it stages the binary (CGO_ENABLED=0, linux), the build host's
# CA bundle and the passwd/group lines in bin/image, the build context.
FROM scratch
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY passwd /etc/passwd
COPY group /etc/group
COPY --chown=65532:65532 home /home/nonroot
COPY --chown=65532:65532 tmp /tmp
COPY flyover /flyover
ENV HOME=/home/nonroot TMPDIR=/tmp
WORKDIR /home/nonroot
USER 65532:65532
ENTRYPOINT ["/flyover"]
CMD ["--help"]
