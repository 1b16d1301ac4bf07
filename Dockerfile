# One image for the project's services; the compose file runs one `lakehouse` command per
# container. Node 22: node-rdkafka builds librdkafka from source here (build tools are in the
# full bookworm image), and the AWS SDK asks for Node >= 22 from 2027 (docs/decisions.md D7).
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

FROM node:22-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "bin/lakehouse.mjs"]
