# The standalone consumer (`batchmeter consume`) for the optional ECS Fargate service.
# Built by `cdk deploy` when standaloneConsumer is enabled without an image of its own
# (Docker is needed there, not at synth). Context: the repository root.
FROM public.ecr.aws/docker/library/node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
# tsx (a dev dependency) runs the TypeScript CLI without a build step, as bin/batchmeter.js does;
# install scripts stay off, as on the development machines (prebuilt binaries ship in the packages).
RUN npm ci --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY . .
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "bin/batchmeter.js"]
CMD ["consume", "--help"]
