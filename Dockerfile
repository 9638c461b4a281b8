# prepare_bodycam for CI containers.
#
#   docker build -t prepare-bodycam .
#   docker run --rm -v "$PWD":/data -w /data prepare-bodycam \
#       --build-dir disc --logfile disc.log clips/*.mp4
#
# Without a Docker engine: ../shared/tools/container-build builds this file
# with buildah; tests/docker/docker.sh does that and runs the scenarios.
#
# Stage 1 installs Debian's -dev packages (scripts/setup.sh, the same list a
# developer uses), builds with Meson and runs the full default test suite:
# the image does not build if a test fails (warnings are CI's business:
# scripts/test.sh builds with -Dwerror). Stage 2 is bookworm-slim with
# only the shared libraries the program is linked against, found from the
# binary itself. For a tiny image holding the one static binary instead, see
# docs/design.md, "Static build".

FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
COPY scripts/setup.sh /src/scripts/setup.sh
RUN /src/scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN meson setup /build --buildtype=release \
 && meson compile -C /build \
 && meson test -C /build --print-errorlogs
# The Debian packages that hold the libraries the binary names (DT_NEEDED).
RUN arch=$(gcc -print-multiarch) \
 && objdump -p /build/src/prepare_bodycam | awk '$1 == "NEEDED" { print $2 }' \
  | while read -r lib; do dpkg -S "*/$arch/$lib" | head -n 1 | cut -d: -f1; done \
  | sort -u > /build/runtime-packages \
 && cat /build/runtime-packages

FROM debian:bookworm-slim
COPY --from=build /build/runtime-packages /tmp/runtime-packages
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages \
      apt-get install -y -qq --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
COPY --from=build /build/src/prepare_bodycam /usr/local/bin/prepare_bodycam
# fails the build if a shared library is missing
RUN prepare_bodycam --version
WORKDIR /data
ENTRYPOINT ["prepare_bodycam"]
