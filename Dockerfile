# dgm in a container: the image the Kubernetes examples (examples/k8s) run, with `dgm` as its
# entrypoint:  docker build -t dgm .  then  docker run --rm dgm train --steps 20
# Node 20 slim; the workspace installed with `npm ci` (which also compiles it: the root `prepare`
# script) and run by the image's unprivileged `node` user. Runs are written under /work/runs.
# GPU workers need @tensorflow/tfjs-node-gpu and CUDA 11.2 / cuDNN 8.1 in the image: build FROM
# an image that has them, and add `npm install @tensorflow/tfjs-node-gpu@4.22.0` (see the README).
FROM node:20-slim
ENV NX_NO_CLOUD=true NX_DAEMON=false
WORKDIR /opt/dgm
COPY package.json package-lock.json nx.json tsconfig.base.json tsconfig.build.json ./
COPY packages ./packages
COPY tools ./tools
# npm ci runs the packages' install scripts (zeromq's native addon) and the root `prepare`, which
# compiles the workspace; the compilers are dropped afterwards.
RUN npm ci \
 && npm prune --omit=dev \
 && npm cache clean --force \
 && ln -s /opt/dgm/packages/cli/bin/dgm.js /usr/local/bin/dgm \
 && mkdir -p /work/runs && chown -R node:node /work
ENV NODE_ENV=production
USER node
WORKDIR /work
# The coordinator port examples/k8s/indexed-job.yaml gives dgm launch (DGM_PORT).
EXPOSE 5555
ENTRYPOINT ["dgm"]
CMD ["--help"]
